//! The public API of the handwritten crate, recorded as an insta snapshot
//! (`tests/snapshots/public_api__public_api.snap`): every change of the surface a user can
//! name shows up in review. rustdoc's JSON output needs a nightly toolchain, so the source is
//! walked with `syn`, from `src/lib.rs` through every `mod` declaration.
//!
//! Listed: public items of every module (with the module's path and whether a user can name
//! that path), `pub use` re-exports, public methods and associated constants of inherent
//! impls, trait impls of public types, and the input of table macros that define public
//! items (`actions!`, `nouns!`). `#[cfg(...)]` attributes are kept, so items of a
//! feature show it. The generated client (`raw`, included from `OUT_DIR`) has its own
//! snapshot in `generated/snapshots/`. The `flowglad-pricing` crate (`pricing/`), whose
//! document types `flowglad::pricing` re-exports, has one too
//! (`public_api__flowglad_pricing.snap`).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use quote::ToTokens;

#[test]
fn public_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = String::new();
    walk(&root.join("lib.rs"), "flowglad", true, &[], &mut out);
    insta::assert_snapshot!("public_api", out);
}

#[test]
fn flowglad_pricing_public_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("pricing/src");
    let mut out = String::new();
    walk(
        &root.join("lib.rs"),
        "flowglad_pricing",
        true,
        &[],
        &mut out,
    );
    insta::assert_snapshot!("flowglad_pricing", out);
}

/// Lists the items of the module in `file`, then the modules it declares.
fn walk(file: &Path, path: &str, reachable: bool, cfgs: &[String], out: &mut String) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let dir = module_dir(file);
    let header = format!(
        "\nmod {path}{}{}",
        if reachable {
            ""
        } else {
            " (private: reached through re-exports)"
        },
        cfg_suffix(cfgs)
    );
    writeln!(out, "{header}").unwrap();
    items(&ast.items, path, reachable, cfgs, &dir, out);
}

fn items(
    list: &[syn::Item],
    path: &str,
    reachable: bool,
    cfgs: &[String],
    dir: &Path,
    out: &mut String,
) {
    let mut modules = Vec::new();
    // Impls of this module's non-`pub` types are not surface (a private type's `Debug`).
    let private: HashSet<String> = list
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) if !is_pub(&s.vis) => Some(s.ident.to_string()),
            syn::Item::Enum(e) if !is_pub(&e.vis) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    for item in list {
        let item_cfgs = [cfgs, &cfg_attrs(attrs_of(item))].concat();
        if item_cfgs.iter().any(|c| c == "cfg(test)") {
            continue;
        }
        let line = match item {
            syn::Item::Use(u) if is_pub(&u.vis) => Some(format!("use {}", tokens(&u.tree))),
            syn::Item::Struct(s) if is_pub(&s.vis) => Some(format!(
                "struct {}{}{}",
                s.ident,
                tokens(&s.generics),
                struct_fields(&s.fields)
            )),
            syn::Item::Enum(e) if is_pub(&e.vis) => {
                let variants: Vec<String> = e
                    .variants
                    .iter()
                    .map(|v| format!("{}{}", v.ident, struct_fields(&v.fields)))
                    .collect();
                Some(format!(
                    "enum {}{} {{ {} }}",
                    e.ident,
                    tokens(&e.generics),
                    variants.join(", ")
                ))
            }
            syn::Item::Fn(f) if is_pub(&f.vis) => Some(tokens(&f.sig)),
            syn::Item::Const(c) if is_pub(&c.vis) => {
                Some(format!("const {}: {}", c.ident, tokens(&c.ty)))
            }
            syn::Item::Static(s) if is_pub(&s.vis) => {
                Some(format!("static {}: {}", s.ident, tokens(&s.ty)))
            }
            syn::Item::Type(t) if is_pub(&t.vis) => Some(format!(
                "type {}{} = {}",
                t.ident,
                tokens(&t.generics),
                tokens(&t.ty)
            )),
            syn::Item::Trait(t) if is_pub(&t.vis) => {
                Some(format!("trait {}{}", t.ident, tokens(&t.generics)))
            }
            syn::Item::Macro(m) if m.attrs.iter().any(|a| a.path().is_ident("macro_export")) => {
                Some(format!("macro {}", tokens(&m.ident)))
            }
            // A table macro that defines public items (`actions!`, `nouns!`): its input is
            // the surface, so it is listed as written.
            syn::Item::Macro(m) if m.ident.is_none() => Some(format!(
                "{}! {{ {} }}",
                tokens(&m.mac.path),
                tokens(&m.mac.tokens)
            )),
            syn::Item::Impl(i) if !private.contains(&self_name(i)) => impl_lines(i),
            syn::Item::Mod(m) => {
                modules.push((m, item_cfgs.clone()));
                None
            }
            _ => None,
        };
        if let Some(line) = line {
            let flag = if reachable { "" } else { "  [via re-export]" };
            writeln!(
                out,
                "  {line}{}{flag}",
                cfg_suffix(&item_cfgs[cfgs.len()..])
            )
            .unwrap();
        }
    }
    for (m, item_cfgs) in modules {
        let child = format!("{path}::{}", m.ident);
        let child_reachable = reachable && is_pub(&m.vis);
        // `pub(crate)` modules and private ones are listed only for what they re-export.
        match &m.content {
            Some((_, inner)) => {
                writeln!(out, "\nmod {child} (inline){}", cfg_suffix(&item_cfgs)).unwrap();
                items(inner, &child, child_reachable, &item_cfgs, dir, out);
            }
            None => {
                let file = module_file(dir, &m.ident.to_string());
                walk(&file, &child, child_reachable, &item_cfgs, out);
            }
        }
    }
}

/// The last segment of an impl's self type (`Foo` of `impl Debug for a::Foo<T>`).
fn self_name(i: &syn::ItemImpl) -> String {
    match &*i.self_ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map_or_else(String::new, |s| s.ident.to_string()),
        _ => String::new(),
    }
}

/// Public methods and constants of an inherent impl, or the trait a type implements.
fn impl_lines(i: &syn::ItemImpl) -> Option<String> {
    let self_ty = tokens(&i.self_ty);
    if let Some((_, trait_path, _)) = &i.trait_ {
        return Some(format!(
            "impl{} {} for {self_ty}",
            tokens(&i.generics),
            tokens(trait_path)
        ));
    }
    let members: Vec<String> = i
        .items
        .iter()
        .filter_map(|member| match member {
            syn::ImplItem::Fn(f) if is_pub(&f.vis) => {
                let cfg = cfg_suffix(&cfg_attrs(&f.attrs));
                Some(format!("    {}{cfg}", tokens(&f.sig)))
            }
            syn::ImplItem::Const(c) if is_pub(&c.vis) => {
                Some(format!("    const {}: {}", c.ident, tokens(&c.ty)))
            }
            _ => None,
        })
        .collect();
    if members.is_empty() {
        return None;
    }
    Some(format!(
        "impl{} {self_ty}\n{}",
        tokens(&i.generics),
        members
            .iter()
            .map(|m| format!("  {m}"))
            .collect::<Vec<_>>()
            .join("\n")
    ))
}

/// ` { a: T, b: U }` / `(T)` for the public fields; ` { .. }` when some are private.
fn struct_fields(fields: &syn::Fields) -> String {
    let (open, close, named) = match fields {
        syn::Fields::Named(_) => (" { ", " }", true),
        syn::Fields::Unnamed(_) => ("(", ")", false),
        syn::Fields::Unit => return String::new(),
    };
    let mut shown: Vec<String> = fields
        .iter()
        .filter(|f| is_pub(&f.vis) || matches!(f.vis, syn::Visibility::Inherited) && !named)
        .map(|f| match &f.ident {
            Some(ident) => format!("{ident}: {}", tokens(&f.ty)),
            None => tokens(&f.ty),
        })
        .collect();
    if shown.len() < fields.len() {
        shown.push("..".into());
    }
    format!("{open}{}{close}", shown.join(", "))
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn attrs_of(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Use(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        _ => &[],
    }
}

fn cfg_attrs(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .map(|a| tokens(&a.meta))
        .collect()
}

fn cfg_suffix(cfgs: &[String]) -> String {
    if cfgs.is_empty() {
        String::new()
    } else {
        format!("  #[{}]", cfgs.join(", "))
    }
}

/// Where the children of the module in `file` live (`foo.rs` → `foo/`, `mod.rs` → its dir).
fn module_dir(file: &Path) -> PathBuf {
    let name = file.file_stem().unwrap().to_string_lossy();
    let parent = file.parent().unwrap();
    if name == "mod" || name == "lib" {
        parent.to_path_buf()
    } else {
        parent.join(name.as_ref())
    }
}

fn module_file(dir: &Path, name: &str) -> PathBuf {
    let flat = dir.join(format!("{name}.rs"));
    if flat.exists() {
        flat
    } else {
        dir.join(name).join("mod.rs")
    }
}

/// Tokens as text, without the spaces `quote` puts around punctuation.
fn tokens(t: &impl ToTokens) -> String {
    let text = t.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        if *c == ' '
            && (matches!(prev, Some(':' | '<' | '&' | '(' | '[' | '!' | '.' | '#'))
                || matches!(
                    next,
                    Some(':' | '<' | '>' | ',' | '(' | ')' | '[' | ']' | '.' | '?' | ';')
                ))
        {
            continue;
        }
        out.push(*c);
    }
    out
}
