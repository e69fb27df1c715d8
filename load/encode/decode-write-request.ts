import protobuf from "protobufjs";
import { snappyUncompress } from "../../stack/clients/snappy-block.ts";

/**
 * Test support: decodes a remote-write body (snappy block + prometheus.WriteRequest) with protobufjs,
 * an independent decoder, so tests of writers check the wire bytes rather than our own encoder.
 */
const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;
const WriteRequest = protobuf.parse(PROTO).root.lookupType("prometheus.WriteRequest");

export interface DecodedSeries {
  labels: Record<string, string>;
  samples: { value: number; timestamp: number }[];
}

export function decodeWriteRequestSnappy(body: Uint8Array): DecodedSeries[] {
  const message = WriteRequest.toObject(WriteRequest.decode(snappyUncompress(body)), { longs: Number, defaults: true }) as {
    timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[];
  };
  return message.timeseries.map((t) => ({ labels: Object.fromEntries(t.labels.map((l) => [l.name, l.value])), samples: t.samples }));
}
