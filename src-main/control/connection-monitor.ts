/**
 * The connection state the control center shows: connecting, connected or
 * disconnected, where to (never with a password), why not, and since when.
 * Follows the events of the adapter's command connection; reports only real
 * changes (a new state, or a new reason), not every reconnect attempt.
 */
import type { Redis } from 'ioredis';
import type { ConnectionState, ConnectionStatus } from '../../src-shared/contract';

export interface ConnectionMonitorOptions {
  /** Called on every change. */
  onChange: (status: ConnectionStatus) => void;
  now?: () => number;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ConnectionMonitor {
  private current: ConnectionStatus;
  private readonly now: () => number;
  private client: Redis | undefined;
  private lastError: string | undefined;
  private readonly listeners: Array<[event: string, fn: (...args: unknown[]) => void]> = [];

  constructor(private readonly options: ConnectionMonitorOptions) {
    this.now = options.now ?? Date.now;
    this.current = { state: 'disconnected', target: '', since: this.now() };
  }

  get status(): ConnectionStatus {
    return { ...this.current };
  }

  get connected(): boolean {
    return this.current.state === 'connected';
  }

  /** A connection attempt to `target` begins (no client to follow yet). */
  connecting(target: string): void {
    this.detach();
    this.lastError = undefined;
    this.set('connecting', target, undefined);
  }

  /** An attempt failed before there was a client to follow. */
  failed(target: string, error: unknown): void {
    this.detach();
    this.set('disconnected', target, messageOf(error));
  }

  /** Follows a connected client: its drops and recoveries become state changes. */
  attach(client: Redis, target: string): void {
    this.detach();
    this.client = client;
    this.lastError = undefined;
    const on = (event: string, fn: (...args: unknown[]) => void): void => {
      client.on(event, fn);
      this.listeners.push([event, fn]);
    };
    on('error', (err) => {
      this.lastError = messageOf(err);
      if (this.current.state !== 'connected') this.set('disconnected', target, this.lastError);
    });
    on('close', () => this.set('disconnected', target, this.lastError ?? 'connection closed'));
    on('end', () => this.set('disconnected', target, this.lastError ?? 'connection ended'));
    on('ready', () => {
      this.lastError = undefined;
      this.set('connected', target, undefined);
    });
    if (client.status === 'ready') this.set('connected', target, undefined);
    else this.set('disconnected', target, 'not connected');
  }

  /** Stops following the client (before it is closed on purpose). */
  detach(): void {
    for (const [event, fn] of this.listeners) this.client?.off(event, fn);
    this.listeners.length = 0;
    this.client = undefined;
  }

  /** Closed for good (the core shuts down). */
  closed(): void {
    this.detach();
    this.set('disconnected', this.current.target, 'closed');
  }

  private set(state: ConnectionState, target: string, error: string | undefined): void {
    const c = this.current;
    if (c.state === state && c.target === target && c.error === error) return;
    this.current = {
      state,
      target,
      since: c.state === state && c.target === target ? c.since : this.now(),
      ...(error === undefined ? {} : { error }),
    };
    this.options.onChange(this.status);
  }
}
