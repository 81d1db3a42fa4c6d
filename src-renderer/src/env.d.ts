/// <reference types="vite/client" />
import type { IpcBridge } from '../../src-shared/contract';

declare global {
  interface Window {
    /** The preload's bridge (src-main/preload): present in Electron, absent when served to a plain browser. */
    readonly conveyor?: IpcBridge;
  }
}
