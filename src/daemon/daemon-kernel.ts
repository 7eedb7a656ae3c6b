// What the daemon asks of the kernel side: the subset of AgentKernel it calls. The daemon is
// written against this, so its session logic can be tested against a fake kernel without root.
import type { AgentKernel } from '../loader/agent-kernel.js';

export type DaemonKernel = Pick<
  AgentKernel,
  | 'pinReport'
  | 'startReading'
  | 'stopReading'
  | 'flush'
  | 'close'
  | 'heartbeat'
  | 'takeStopped'
  | 'watchProcess'
  | 'setWatchedEntry'
  | 'unwatchProcess'
  | 'watchedProcesses'
  | 'addWatchRule'
  | 'removeWatchRule'
  | 'setSession'
  | 'deleteSession'
  | 'sessionProfile'
  | 'openVolume'
  | 'deleteOpenVolume'
  | 'learnHostAddress'
  | 'forgetHostAddresses'
  | 'redirectDns'
  | 'clearDnsRedirects'
  | 'setSniProxy'
  | 'clearSniProxy'
  | 'takeSniOrigin'
  | 'loadProfile'
  | 'unloadProfile'
  | 'adoptProfile'
  | 'backends'
  | 'counters'
  | 'ringStats'
  | 'allCounters'
>;
