import { pointReceiversAtSink, type SinkEndpoints } from "../../assertions/alert-sink/alertmanager-overrides.ts";
import type { RuntimeOverride } from "../../stack/started-stack.ts";

const ALERTMANAGER_CONFIG = "/etc/alertmanager/alertmanager.yml";

/** Every Alertmanager receiver points at the harness's alert sinks (never at PagerDuty, Slack or a mail relay). */
export function alertmanagerToSinks(sinkEndpoints: SinkEndpoints): RuntimeOverride {
  return {
    component: "alertmanager",
    describe: `every receiver points at the harness's alert sinks (PagerDuty ${sinkEndpoints.pagerdutyUrl}, Slack ${sinkEndpoints.slackUrl}, webhook ${sinkEndpoints.webhookBaseUrl}, SMTP ${sinkEndpoints.smtpHostPort})`,
    file: { path: ALERTMANAGER_CONFIG, transform: (text) => pointReceiversAtSink(text, sinkEndpoints).text },
  };
}
