export { securityChecks, reviewSecurity, formatFinding, SECURITY_CHECK_TITLES, type SecurityCheckOptions } from "./security-checks.ts";
export { SECURITY_CHECK_IDS, EXEMPT, type SecurityCheckId, type SecurityFinding, type SecurityExemption, type SecurityReview } from "./security-finding.ts";
export { RULES, formatRules, type RuleRef, type RuleCatalog } from "./rule-refs.ts";
export { clientGraph, type ClientEdge } from "./client-graph.ts";
export { INGESTION_ENDPOINTS, type TlsOptions } from "./tls.ts";
