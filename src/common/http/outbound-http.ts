import http from 'node:http';
import https from 'node:https';
import type { AxiosRequestConfig } from 'axios';
import type { OutboundHttpSettings } from '../../config/settings/outbound-http.settings';

/**
 * The one outbound HTTP stack of the gateway (ESR and webhooks): axios over Node's own agents, which
 * carry the egress proxy. Node's built-in proxy support (http.Agent `proxyEnv`, Node 24.5+) tunnels
 * https URLs through HTTPS_PROXY with CONNECT, sends http URLs to HTTP_PROXY in absolute form and
 * reaches NO_PROXY hosts directly (`*`, host names, `.domain` suffixes, host:port, IP addresses).
 * Every agent carries a `proxyEnv` (empty without a proxy): axios then leaves proxying to the agent
 * and never reads process.env itself, so the validated settings alone decide.
 */

/** The proxy variables as Node's agents read them, from the validated settings (empty: no proxy). */
export function proxyEnvOf(settings: OutboundHttpSettings): http.ProxyEnv {
  const env: http.ProxyEnv = {};
  if (settings.httpsProxy) env.HTTPS_PROXY = settings.httpsProxy;
  if (settings.httpProxy) env.HTTP_PROXY = settings.httpProxy;
  if (settings.noProxy) env.NO_PROXY = settings.noProxy;
  return env;
}

/** Agent options with the egress proxy added to `options` (keep-alive, socket limits). */
export function outboundAgentOptions<T extends http.AgentOptions>(settings: OutboundHttpSettings, options: T): T {
  return { ...options, proxyEnv: proxyEnvOf(settings) };
}

export interface OutboundAgents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
}

/** A pair of plain agents (http and https URLs) through the egress proxy. */
export function outboundAgents(settings: OutboundHttpSettings, options: http.AgentOptions = { keepAlive: true }): OutboundAgents {
  const withProxy = outboundAgentOptions(settings, options);
  return { httpAgent: new http.Agent(withProxy), httpsAgent: new https.Agent(withProxy) };
}

/**
 * The axios settings every outbound client starts from: these agents. Not `proxy: false`: axios would
 * then wrap the agents to connect directly, bypassing their proxy.
 */
export function outboundAxiosConfig(agents: OutboundAgents): AxiosRequestConfig {
  return { httpAgent: agents.httpAgent, httpsAgent: agents.httpsAgent };
}

/** Closes the agents' kept-alive sockets. */
export function closeOutboundAgents(agents: Partial<OutboundAgents>): void {
  agents.httpAgent?.destroy();
  agents.httpsAgent?.destroy();
}
