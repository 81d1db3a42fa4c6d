/** Whether the host names this machine (where `conveyor dev` may start a Redis). */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || h === '0.0.0.0' || h === '::' || /^127\./.test(h) || h.endsWith('.localhost');
}
