// A TypeScript app's billing test against flowglad-mock, with the published @flowglad/server:
// the README's example, run by .ci/run (and by testing/tests/mock.rs when node_modules exist).
//
//   node tests/mock_ts/mock.test.mjs path/to/flowglad-mock
//
// Starts the mock on free ports, finds-or-creates a customer (free plan), buys pro through a
// checkout session the mock's admin API completes, records usage, advances the mock's clock
// past the billing period and checks the renewal; then stops the mock with SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';

import { FlowgladServer } from '@flowglad/server';

const bin = process.argv[2];
if (!bin) throw new Error('usage: node mock.test.mjs path/to/flowglad-mock');
const apiKey = 'sk_test_mock_ts_app';
const runId = `${process.pid}_${Date.now()}`;

// The mock prints its admin URL, then the ready line with the API's base URL.
const mock = spawn(bin, ['--api-key', apiKey], { stdio: ['ignore', 'pipe', 'inherit'] });
const exited = once(mock, 'exit');
const urls = {};
for await (const line of readline.createInterface({ input: mock.stdout })) {
  const [name, value] = line.split('=', 2);
  urls[name] = value;
  if (name === 'FLOWGLAD_BASE_URL') break;
}
const baseURL = urls.FLOWGLAD_BASE_URL;
const admin = urls.FLOWGLAD_MOCK_ADMIN_URL;
assert.match(baseURL ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
assert.match(admin ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);

async function adminPost(path) {
  const response = await fetch(`${admin}${path}`, { method: 'POST' });
  const text = await response.text();
  assert.ok(response.ok, `POST ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

try {
  // The app's code: a FlowgladServer for the signed-in user, pointed at the mock.
  const user = { externalId: `ts_user_${runId}`, name: 'TS User', email: `ts_${runId}@example.com` };
  const flowglad = new FlowgladServer({ baseURL, apiKey, getRequestingCustomer: async () => user });

  const customer = await flowglad.findOrCreateCustomer();
  assert.equal(customer.externalId, user.externalId);
  assert.equal(customer.email, user.email);

  let billing = await flowglad.getBilling();
  assert.equal(billing.customer.externalId, user.externalId);
  assert.equal(billing.currentSubscriptions.length, 1, 'a new customer is on the free plan');
  assert.equal(billing.checkFeatureAccess('premium_feature'), false);

  // Checkout: the customer would pay in the browser; the mock's admin API completes it.
  const checkout = await flowglad.createCheckoutSession({
    priceSlug: 'pro_monthly',
    successUrl: 'https://app.example.com/billing/success',
    cancelUrl: 'https://app.example.com/billing',
  });
  assert.match(checkout.url, /^https?:\/\//);
  await adminPost(`/checkout-sessions/complete?id=${encodeURIComponent(checkout.checkoutSession.id)}`);

  billing = await flowglad.getBilling();
  assert.equal(billing.checkFeatureAccess('premium_feature'), true, 'pro grants premium_feature');
  const pro = billing.currentSubscription;
  assert.equal(billing.checkUsageBalance('api_calls')?.availableBalance, 1000);

  // Usage against the pro subscription's credits.
  const usage = await flowglad.createUsageEvent({
    amount: 25,
    subscriptionId: pro.id,
    usageMeterSlug: 'api_calls',
    transactionId: `txn_${runId}`,
  });
  assert.equal(usage.usageEvent.amount, 25);
  billing = await flowglad.getBilling();
  assert.equal(billing.checkUsageBalance('api_calls')?.availableBalance, 975);

  // The test clock: 31 days later the period has renewed and the credits with it.
  const before = (await (await fetch(`${admin}/clock`)).json()).now;
  const { now } = await adminPost('/clock/advance?days=31');
  assert.ok(now >= before + 31 * 86_400_000, `the clock moved: ${before} -> ${now}`);
  billing = await flowglad.getBilling();
  const renewed = billing.currentSubscription;
  assert.equal(renewed.id, pro.id);
  assert.ok(
    new Date(renewed.currentBillingPeriodStart).getTime() > new Date(pro.currentBillingPeriodStart).getTime(),
    `a new billing period: ${pro.currentBillingPeriodStart} -> ${renewed.currentBillingPeriodStart}`,
  );
  assert.equal(billing.checkUsageBalance('api_calls')?.availableBalance, 1000, 'credits renewed');

  // A wrong key is refused like Flowglad does.
  const stranger = new FlowgladServer({
    baseURL, apiKey: 'sk_test_wrong', getRequestingCustomer: async () => user,
  });
  await assert.rejects(stranger.getBilling(), /401/);
} finally {
  mock.kill('SIGTERM');
}
const [code, signal] = await exited;
assert.equal(signal, null, 'the mock exits by itself on SIGTERM');
assert.equal(code, 0, 'and cleanly');
console.log('mock_ts: @flowglad/server against flowglad-mock: ok');
