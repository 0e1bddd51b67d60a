// A page built only from the published @flowglad/react hooks, as an app would use them.
// The signed-in user comes from `?user=<id>` and is sent as the `x-user-id` header (the
// example server's stand-in for a session); without it the visitor is anonymous.
//
// Everything a user sees is rendered with a stable `id` so e2e.mjs can read it:
// `#<name>` holds text; "" means "not present".
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  FlowgladProvider,
  useBilling,
  usePricingModel,
  useResources,
  useUsageMeter,
} from '@flowglad/react';

const user = new URLSearchParams(window.location.search).get('user');
// One object for the page's lifetime: the hooks memoize on it.
const requestConfig = user ? { headers: { 'x-user-id': user } } : undefined;

function Field({ id, label, value }) {
  const text = value === undefined || value === null ? '' : String(value);
  return (
    <div>
      {label}: <span id={id}>{text}</span>
    </div>
  );
}

// Runs a helper that may throw (e.g. on a billing answer missing a list) and shows the
// failure instead of crashing the page.
function attempt(fn) {
  try {
    return fn();
  } catch (error) {
    return `threw: ${error && error.message ? error.message : String(error)}`;
  }
}

function messageOf(error) {
  if (!error) return '';
  if (typeof error === 'string') return error;
  if (error.message) return error.message;
  return JSON.stringify(error);
}

function Billing() {
  const billing = useBilling();
  const [checkout, setCheckout] = useState({ state: 'idle' });
  const [usageEvent, setUsageEvent] = useState({ state: 'idle' });
  const [reloads, setReloads] = useState(0);

  const ready = billing.loaded && billing.customer;
  const feature = ready ? attempt(() => billing.checkFeatureAccess('premium_feature')) : null;
  const balance = ready
    ? attempt(() => {
        const b = billing.checkUsageBalance('api_calls');
        return b ? b.availableBalance : 'none';
      })
    : null;

  async function createCheckout() {
    setCheckout({ state: 'pending' });
    try {
      const result = await billing.createCheckoutSession({
        priceSlug: 'pro_monthly',
        successUrl: 'http://127.0.0.1/billing/success',
        cancelUrl: 'http://127.0.0.1/billing/cancel',
        autoRedirect: false,
      });
      if (result.error) {
        setCheckout({ state: 'error', error: JSON.stringify(result.error) });
      } else {
        setCheckout({ state: 'done', id: result.id, url: result.url });
      }
    } catch (error) {
      setCheckout({ state: 'error', error: messageOf(error) });
    }
  }

  async function createUsage() {
    setUsageEvent({ state: 'pending' });
    try {
      const result = await billing.createUsageEvent({ usageMeterSlug: 'api_calls', amount: 25 });
      if (result.error) {
        setUsageEvent({ state: 'error', error: JSON.stringify(result.error) });
      } else {
        setUsageEvent({ state: 'done', id: result.usageEvent.id });
      }
    } catch (error) {
      setUsageEvent({ state: 'error', error: messageOf(error) });
    }
  }

  async function reload() {
    await billing.reload();
    setReloads((n) => n + 1);
  }

  return (
    <section>
      <h2>Billing (useBilling)</h2>
      <Field id="billing-loaded" label="loaded" value={billing.loaded} />
      <Field
        id="billing-errors"
        label="errors"
        value={billing.errors ? billing.errors.map(messageOf).join(' | ') : ''}
      />
      <Field id="customer-external-id" label="customer" value={billing.customer?.externalId} />
      <Field id="subscription-id" label="current subscription" value={billing.currentSubscription?.id} />
      <Field id="subscription-status" label="status" value={billing.currentSubscription?.status} />
      <Field id="feature-premium" label="checkFeatureAccess('premium_feature')" value={feature} />
      <Field id="usage-balance" label="checkUsageBalance('api_calls').availableBalance" value={balance} />
      <Field id="reloads" label="reloads" value={reloads} />
      <button id="btn-checkout" disabled={!ready} onClick={createCheckout}>
        Upgrade to Pro
      </button>
      <button id="btn-usage-event" disabled={!ready} onClick={createUsage}>
        Use 25 API calls
      </button>
      <button id="btn-reload" disabled={!ready} onClick={reload}>
        Reload billing
      </button>
      <Field id="checkout-state" label="checkout" value={checkout.state} />
      <Field id="checkout-id" label="checkout session id" value={checkout.id} />
      <Field id="checkout-url" label="checkout url" value={checkout.url} />
      <Field id="checkout-error" label="checkout error" value={checkout.error} />
      <Field id="usage-event-state" label="usage event" value={usageEvent.state} />
      <Field id="usage-event-id" label="usage event id" value={usageEvent.id} />
      <Field id="usage-event-error" label="usage event error" value={usageEvent.error} />
    </section>
  );
}

function Pricing() {
  const pricingModel = usePricingModel();
  const slugs = pricingModel
    ? attempt(() =>
        pricingModel.products
          .flatMap((product) => product.prices.map((price) => price.slug))
          .sort()
          .join(','),
      )
    : '';
  return (
    <section>
      <h2>Pricing (usePricingModel)</h2>
      <Field id="pricing-loaded" label="loaded" value={Boolean(pricingModel)} />
      <Field id="pricing-price-slugs" label="price slugs" value={slugs} />
    </section>
  );
}

function Usage() {
  const { usageMeter, isLoading, error } = useUsageMeter('api_calls');
  return (
    <section>
      <h2>Usage (useUsageMeter)</h2>
      <Field id="meter-loading" label="loading" value={isLoading} />
      <Field id="meter-balance" label="api_calls availableBalance" value={usageMeter?.availableBalance} />
      <Field id="meter-error" label="error" value={messageOf(error)} />
    </section>
  );
}

function Resources() {
  const { resources, isLoading, error } = useResources();
  return (
    <section>
      <h2>Resources (useResources)</h2>
      <Field id="resources-loading" label="loading" value={isLoading} />
      <Field
        id="resources-slugs"
        label="resources"
        value={resources ? resources.map((r) => `${r.resourceSlug}:${r.available}/${r.capacity}`).join(',') : ''}
      />
      <Field id="resources-error" label="error" value={messageOf(error)} />
    </section>
  );
}

function App() {
  return (
    <FlowgladProvider requestConfig={requestConfig}>
      <h1 id="user">{user ?? ''}</h1>
      <Billing />
      <Pricing />
      <Usage />
      <Resources />
    </FlowgladProvider>
  );
}

createRoot(document.getElementById('root')).render(<App />);
