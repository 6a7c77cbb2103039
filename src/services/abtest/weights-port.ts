/**
 * All the A/B controller asks of the gateway: read a model's routing weights, and set them
 * (to 100% control on a rollback). A port so the controller can be driven by a stand-in in
 * tests; GatewayAdminClient (adapters/gateway/admin-client.ts) is the real one.
 */
export interface WeightsPort {
  getWeights(model: string, signal?: AbortSignal): Promise<Record<string, number>>;
  setWeights(model: string, weights: Record<string, number>, signal?: AbortSignal): Promise<Record<string, number>>;
}
