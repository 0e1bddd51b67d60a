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
//!
//! The same walk lists the feature-gated public items, whose feature notes are then looked up
//! in the docs as docs.rs builds them (`feature_gated_items_show_their_feature_in_the_docs`).

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

/// docs.rs documents every feature with `--cfg docsrs`, under which rustdoc's `doc_cfg`
/// (`src/lib.rs`) marks each gated item "Available on crate feature X only", inferred from
/// its `#[cfg(feature = …)]` attributes (and its modules'; rustdoc 1.92 and later, nightly,
/// or stable with `RUSTC_BOOTSTRAP=1`). This test reads those docs and checks that every
/// feature-gated public item found in the source shows each of its features: an item page
/// its whole set, a method, variant or impl on its type's page the features its type lacks.
/// It fails if the docs were built without `--cfg docsrs`, if the crate-level `doc_cfg` is
/// gone, or if an item hides its feature (`doc(auto_cfg(hide(…)))`, `doc(auto_cfg = false)`).
///
/// It needs the docs built first, so it runs only when `FLOWGLAD_DOC_DIR` names them
/// (`.ci/run` builds them with `RUSTDOCFLAGS="--cfg docsrs"` and a rustdoc that may use
/// unstable features, `cargo doc -p flowglad -p flowglad-pricing -p flowglad-testing
/// --all-features --no-deps`, and sets `FLOWGLAD_DOC_DIR=target/doc` for the test command).
#[test]
fn feature_gated_items_show_their_feature_in_the_docs() {
    let Some(doc_dir) = std::env::var_os("FLOWGLAD_DOC_DIR") else {
        eprintln!("FLOWGLAD_DOC_DIR is not set: the docs' feature notes are not checked");
        return;
    };
    let doc_dir = PathBuf::from(doc_dir);
    for (crate_name, src, least) in [
        ("flowglad", "src", 42),
        ("flowglad_pricing", "pricing/src", 3),
        ("flowglad_testing", "testing/src", 1),
    ] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(src);
        let mut gated = Vec::new();
        gated_walk(&root.join("lib.rs"), &[], &mut gated);
        let pages = DocPages::read(&doc_dir.join(crate_name));
        let mut missing = Vec::new();
        let mut shown = 0;
        for item in &gated {
            // `None`: not in the documentation (a public item of a private module that is
            // not re-exported).
            let Some(badges) = pages.badges(item) else {
                eprintln!("{crate_name}: {} is not in the docs", item.what);
                continue;
            };
            if item.features.iter().all(|f| badges.contains(f)) {
                shown += 1;
            } else {
                missing.push(format!(
                    "  {}: needs {:?}, the docs show {badges:?}",
                    item.what, item.features
                ));
            }
        }
        assert!(
            missing.is_empty(),
            "{crate_name}: feature-gated items whose docs do not name their feature \
             (docs in {}):\n{}",
            doc_dir.display(),
            missing.join("\n")
        );
        // A walk or a docs directory that found nothing would pass the loop above.
        assert!(
            shown >= least,
            "{crate_name}: only {shown} of {} gated items found in the docs",
            gated.len()
        );
    }
}

/// A public item behind cargo features, and where its docs show them.
struct GatedItem {
    /// `struct Foo`, `Foo::method`, ... (for the failure message).
    what: String,
    place: Place,
    /// The features its docs must name (for a member: those its type's page does not).
    features: Vec<String>,
}

enum Place {
    /// Its own page: `struct.Foo.html`, `fn.foo.html`, `foo/index.html` (a module).
    Page(String),
    /// An anchor on its type's page: `method.foo`, `variant.Foo`, `impl-Trait-for-Foo`.
    Member { owner: String, anchor: String },
}

/// Walks the module in `file` (`cfgs`: the predicates of its `#[cfg]`s and its parents').
fn gated_walk(file: &Path, cfgs: &[String], out: &mut Vec<GatedItem>) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    gated_items(&ast.items, cfgs, &module_dir(file), out);
}

fn gated_items(list: &[syn::Item], cfgs: &[String], dir: &Path, out: &mut Vec<GatedItem>) {
    for item in list {
        let attrs = attrs_of(item);
        let own = [cfgs, &cfg_predicates(attrs)].concat();
        if own.iter().any(|p| p == "test") {
            continue;
        }
        let mut page = |kind: &str, name: String| {
            let file = if kind == "mod" {
                format!("{name}/index.html")
            } else {
                format!("{kind}.{name}.html")
            };
            push_gated(out, format!("{kind} {name}"), Place::Page(file), &own, &[]);
        };
        match item {
            syn::Item::Struct(s) if is_pub(&s.vis) => page("struct", s.ident.to_string()),
            syn::Item::Enum(e) if is_pub(&e.vis) => {
                page("enum", e.ident.to_string());
                for v in &e.variants {
                    let place = Place::Member {
                        owner: format!("{}.html", e.ident),
                        anchor: format!("variant.{}", v.ident),
                    };
                    let what = format!("{}::{}", e.ident, v.ident);
                    let variant = [own.as_slice(), &cfg_predicates(&v.attrs)].concat();
                    push_gated(out, what, place, &variant, &own);
                }
            }
            syn::Item::Fn(f) if is_pub(&f.vis) => page("fn", f.sig.ident.to_string()),
            syn::Item::Const(c) if is_pub(&c.vis) => page("constant", c.ident.to_string()),
            syn::Item::Static(s) if is_pub(&s.vis) => page("static", s.ident.to_string()),
            syn::Item::Type(t) if is_pub(&t.vis) => page("type", t.ident.to_string()),
            syn::Item::Trait(t) if is_pub(&t.vis) => page("trait", t.ident.to_string()),
            syn::Item::Impl(i) => {
                let owner = self_name(i);
                // The type's page: a struct's or an enum's (whichever the docs have).
                let owner_page = format!("{owner}.html");
                if let Some((_, trait_path, _)) = &i.trait_ {
                    let trait_name = trait_path
                        .segments
                        .last()
                        .map_or_else(String::new, |s| s.ident.to_string());
                    let place = Place::Member {
                        owner: owner_page,
                        anchor: format!("impl-{trait_name}-for-{owner}"),
                    };
                    let what = format!("impl {} for {owner}", tokens(trait_path));
                    push_gated(out, what, place, &own, cfgs);
                    continue;
                }
                for member in &i.items {
                    let (anchor, member_attrs) = match member {
                        syn::ImplItem::Fn(f) if is_pub(&f.vis) => {
                            (format!("method.{}", f.sig.ident), &f.attrs)
                        }
                        syn::ImplItem::Const(c) if is_pub(&c.vis) => {
                            (format!("associatedconstant.{}", c.ident), &c.attrs)
                        }
                        _ => continue,
                    };
                    let what = format!("{owner}::{}", anchor.split('.').nth(1).unwrap());
                    let features = [own.as_slice(), &cfg_predicates(member_attrs)].concat();
                    let place = Place::Member {
                        owner: owner_page.clone(),
                        anchor,
                    };
                    // The type is assumed gated like the module it is implemented in.
                    push_gated(out, what, place, &features, cfgs);
                }
            }
            syn::Item::Mod(m) => {
                if is_pub(&m.vis) {
                    page("mod", m.ident.to_string());
                }
                match &m.content {
                    Some((_, inner)) => gated_items(inner, &own, dir, out),
                    None => gated_walk(&module_file(dir, &m.ident.to_string()), &own, out),
                }
            }
            _ => {}
        }
    }
}

/// Records the item if `cfgs` needs features `parent` does not; items under any other
/// predicate (`not(…)`, `any(…)`, a target) are left out.
fn push_gated(
    out: &mut Vec<GatedItem>,
    what: String,
    place: Place,
    cfgs: &[String],
    parent: &[String],
) {
    let mut features = Vec::new();
    for predicate in cfgs.iter().filter(|p| !parent.contains(p)) {
        match predicate
            .strip_prefix("feature = \"")
            .and_then(|p| p.strip_suffix('"'))
        {
            Some(feature) => features.push(feature.to_owned()),
            None => return,
        }
    }
    features.dedup();
    if !features.is_empty() {
        out.push(GatedItem {
            what,
            place,
            features,
        });
    }
}

/// The predicates of `#[cfg(...)]` attributes, `all(a, b)` split into `a` and `b`.
fn cfg_predicates(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .flat_map(|a| match &a.meta {
            syn::Meta::List(list) => predicates(&list.tokens),
            other => vec![tokens(other)],
        })
        .collect()
}

fn predicates(stream: &impl ToTokens) -> Vec<String> {
    use syn::parse::Parser;
    use syn::punctuated::Punctuated;
    let Ok(list) =
        Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated.parse2(stream.to_token_stream())
    else {
        return vec![tokens(stream)];
    };
    list.into_iter()
        .flat_map(|meta| match meta {
            syn::Meta::List(l) if l.path.is_ident("all") => predicates(&l.tokens),
            other => vec![tokens(&other)],
        })
        .collect()
}

/// The HTML pages rustdoc wrote for one crate, by file name (`struct.Foo.html`, or
/// `foo/index.html` for a module).
struct DocPages {
    pages: Vec<(String, PathBuf)>,
}

impl DocPages {
    fn read(dir: &Path) -> DocPages {
        fn visit(dir: &Path, pages: &mut Vec<(String, PathBuf)>) {
            let entries = std::fs::read_dir(dir)
                .unwrap_or_else(|e| panic!("{}: {e} (build the docs first)", dir.display()));
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    visit(&path, pages);
                    continue;
                }
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let key = if name == "index.html" {
                    let module = path.parent().unwrap().file_name().unwrap();
                    format!("{}/index.html", module.to_string_lossy())
                } else {
                    name
                };
                pages.push((key, path));
            }
        }
        let mut pages = Vec::new();
        visit(dir, &mut pages);
        DocPages { pages }
    }

    /// The features named by the item's badges, or `None` if the docs do not have the item.
    /// Items of the same name on several pages (or methods `foo`, `foo-1` of several impls)
    /// count as shown if one of them shows them all.
    fn badges(&self, item: &GatedItem) -> Option<Vec<String>> {
        let mut found: Option<Vec<String>> = None;
        let mut keep = |features: Vec<String>| {
            let better = item.features.iter().all(|f| features.contains(f));
            if found.is_none() || better {
                found = Some(features);
            }
        };
        match &item.place {
            Place::Page(file) => {
                for (_, path) in self.pages.iter().filter(|(name, _)| name == file) {
                    let html = std::fs::read_to_string(path).unwrap();
                    // The item's own notes come between its title and its description.
                    let start = html.find("<h1").unwrap_or(0);
                    let end = ["class=\"docblock", "<h2", "</main>"]
                        .iter()
                        .filter_map(|m| html[start..].find(m))
                        .min()
                        .map_or(html.len(), |i| start + i);
                    keep(portability(&html[start..end]));
                }
            }
            Place::Member { owner, anchor } => {
                let pages = self.pages.iter().filter(|(name, _)| {
                    name.strip_suffix(owner.as_str())
                        .is_some_and(|kind| kind == "struct." || kind == "enum.")
                });
                for (_, path) in pages {
                    let html = std::fs::read_to_string(path).unwrap();
                    let needle = format!(" id=\"{anchor}");
                    let mut at = 0;
                    while let Some(i) = html[at..].find(&needle) {
                        let start = at + i + needle.len();
                        at = start;
                        // `method.foo` also finds `method.foo_bar`: only `"` or `-N` may follow
                        // (an impl's anchor goes on with its generics, `%3CT%3E`).
                        let next = html[start..].chars().next();
                        if !anchor.starts_with("impl-") && !matches!(next, Some('"' | '-')) {
                            continue;
                        }
                        // Its notes come before the next anchor.
                        let end = html[start..]
                            .find(" id=\"")
                            .map_or(html.len(), |j| start + j);
                        keep(portability(&html[start..end]));
                    }
                }
            }
        }
        found
    }
}

/// The features named by the first "Available on crate feature(s) …" note in `html`.
fn portability(html: &str) -> Vec<String> {
    let Some(start) = html.find("class=\"stab portability\"") else {
        return Vec::new();
    };
    let note = &html[start..];
    let note = &note[..note.find("</div>").unwrap_or(note.len())];
    note.split("<code>")
        .skip(1)
        .filter_map(|s| s.split("</code>").next())
        .map(str::to_owned)
        .collect()
}
