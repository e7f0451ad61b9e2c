import * as Metric from "effect/Metric"

/**
 * Time from an event's publication to the write that hands it to a socket:
 * one observation per write pass (its oldest event), not per delivery.
 */
export const deliverySeconds = Metric.histogram("hubbub_delivery_seconds", {
  description: "Seconds from an event's publication to the end of the write pass that sent it (the pass's oldest event)",
  boundaries: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
})
