/**
 * Probabilistic early expiration, "XFetch" (Vattani, Chierichetti, Lowenstein: "Optimal
 * Probabilistic Cache Stampede Prevention", VLDB 2015). A reader refreshes early when
 *
 *     now - delta * beta * ln(u) >= expiry,    u ~ Uniform(0, 1]
 *
 * where delta is how long the value took to compute. Early refreshes are spread out and
 * grow likelier near expiry, so a hot key is recomputed once by one reader instead of by
 * every reader at the instant it expires. beta = 1 is the paper's optimum.
 */
export function shouldRefreshEarly(
  nowMs: number,
  expiresAtMs: number,
  computeMs: number,
  beta: number,
  u: number,
): boolean {
  const uniform = u <= 0 ? Number.MIN_VALUE : Math.min(u, 1);
  return nowMs - computeMs * beta * Math.log(uniform) >= expiresAtMs;
}
