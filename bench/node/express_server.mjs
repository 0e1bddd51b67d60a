// Part 4 of `cargo xtask bench`: Express 4 + `@flowglad/server/express`'s expressRouter,
// mounted at /api/flowglad, the customer id taken from the `x-customer-id` header; and
// GET /gated, a feature gate doing getBilling + checkFeatureAccess per request.
//
//   PORT=4020 FLOWGLAD_BASE_URL=... FLOWGLAD_SECRET_KEY=... node express_server.mjs
//
// Prints `LISTENING <port>` when ready.
import express from 'express';
import { FlowgladServer } from '@flowglad/server';
import { expressRouter } from '@flowglad/server/express';

const apiKey = process.env.FLOWGLAD_SECRET_KEY;
const baseURL = process.env.FLOWGLAD_BASE_URL;
const app = express();
app.use(express.json());
app.use('/api/flowglad', expressRouter({
  getCustomerExternalId: async (req) => {
    const id = req.get('x-customer-id');
    if (!id) throw new Error('x-customer-id header missing');
    return id;
  },
  flowglad: async (customerExternalId) => new FlowgladServer({
    customerExternalId,
    getCustomerDetails: async (id) => ({ name: 'Bench', email: `${id}@example.com` }),
    apiKey,
    baseURL,
  }),
  apiKey,
  baseURL,
}));
// The gated route: what a feature gate costs with the TypeScript SDK, per request.
app.get('/gated', async (req, res) => {
  const customerExternalId = req.get('x-customer-id');
  if (!customerExternalId) return res.status(401).json({ error: 'unauthenticated' });
  try {
    const flowglad = new FlowgladServer({
      customerExternalId,
      getCustomerDetails: async (id) => ({ name: 'Bench', email: `${id}@example.com` }),
      apiKey,
      baseURL,
    });
    const billing = await flowglad.getBilling();
    if (!billing.checkFeatureAccess('premium_feature')) {
      return res.status(403).json({ error: 'feature required', feature: 'premium_feature' });
    }
    res.send('ok');
  } catch (e) {
    res.status(503).json({ error: 'billing unavailable' });
  }
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`LISTENING ${server.address().port}`);
});
process.on('SIGTERM', () => {
  const r = process.resourceUsage();
  console.log(JSON.stringify({ cpu_s: (r.userCPUTime + r.systemCPUTime) / 1e6, max_rss_kb: r.maxRSS }));
  process.exit(0);
});
