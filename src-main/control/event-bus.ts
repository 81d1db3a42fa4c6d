import type { EventName, Events } from '../../src-shared/contract';

/**
 * The core's event channels, typed by the contract. A failing listener is
 * logged and does not keep the others from their event.
 */
export class EventBus {
  private readonly handlers = new Map<EventName, Set<(payload: never) => void>>();

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  subscribe<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    const entry = handler as (payload: never) => void;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const handler of [...(this.handlers.get(event) ?? [])]) {
      try {
        (handler as (payload: Events[E]) => void)(payload);
      } catch (err) {
        this.log(`[conveyor] a "${event}" listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  listeners(event: EventName): number {
    return this.handlers.get(event)?.size ?? 0;
  }

  clear(): void {
    this.handlers.clear();
  }
}
