/** Which side bounded a run, and the evidence. */
export interface Bound {
  side: "receiver" | "generator" | "neither";
  why: string;
}

/**
 * - accepted >= 97 % of offered: neither side saturated (the offer was met);
 * - else the sender at >= 85 % of its cores: the generator could not offer more;
 * - else the receiver (the generator had CPU to spare and its sends waited on the receiver).
 */
export function boundOf({
  offeredPerSec,
  acceptedPerSec,
  senderCpuPctOfCore,
  senderCores,
}: {
  offeredPerSec: number;
  acceptedPerSec: number;
  senderCpuPctOfCore: number;
  senderCores: number;
}): Bound {
  const met = offeredPerSec > 0 ? acceptedPerSec / offeredPerSec : 0;
  if (met >= 0.97) return { side: "neither", why: `the offered rate was accepted (${(met * 100).toFixed(1)} %)` };
  if (senderCpuPctOfCore >= 85 * senderCores)
    return { side: "generator", why: `the sender used ${senderCpuPctOfCore} % of a core (of ${senderCores}); accepted ${(met * 100).toFixed(1)} % of offered` };
  return { side: "receiver", why: `accepted ${(met * 100).toFixed(1)} % of offered while the sender used only ${senderCpuPctOfCore} % of a core` };
}
