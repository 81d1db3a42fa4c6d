/// <reference types="vite/client" />

/** Mirrors `ConveyorApi` in src-main/preload/index.ts (to move to src-shared once the contract exists). */
interface ConveyorApi {
  version(): string;
}

interface Window {
  /** Present in Electron (the preload); absent when served to a plain browser. */
  readonly conveyor?: ConveyorApi;
}
