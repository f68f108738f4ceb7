import type { KeyValueStorage } from './tracker';

/**
 * The parts of the browser leadflow.js reads. The project compiles without the DOM library (its code
 * runs in Node), so the snippet declares the few members it uses; the browser tests check them
 * against a real Chromium.
 */

export interface BrowserEvent {
  readonly target: unknown;
}

export interface BrowserEventTarget {
  addEventListener(type: string, listener: (event: BrowserEvent) => void, capture?: boolean): void;
}

export interface BrowserElement {
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  querySelector(selectors: string): (BrowserElement & { readonly value?: string }) | null;
}

export interface ScriptElement extends BrowserElement {
  readonly src: string;
}

export interface BrowserDocument extends BrowserEventTarget {
  readonly currentScript: ScriptElement | null;
  readonly title: string;
  readonly referrer: string;
  readonly visibilityState: string;
}

/** The site's calls made before the script loaded: `leadflow.q`, filled by the loader stub. */
export type CommandFunction = ((...command: unknown[]) => void) & { q?: ArrayLike<unknown>[]; loaded?: boolean };

export interface BrowserWindow extends BrowserEventTarget {
  readonly document: BrowserDocument;
  readonly location: { readonly href: string; readonly pathname: string; readonly search: string };
  readonly navigator: {
    readonly userAgent: string;
    readonly language: string;
    readonly globalPrivacyControl?: boolean;
    sendBeacon(url: string, data: string): boolean;
  };
  /** Reading it throws where storage is disabled. */
  readonly localStorage: KeyValueStorage;
  readonly crypto: { getRandomValues(array: Uint8Array): Uint8Array };
  fetch(url: string, init: { method: string; body: string; headers: Record<string, string>; keepalive: boolean; credentials: 'omit' }): Promise<{ readonly status: number }>;
  setTimeout(callback: () => void, milliseconds: number): unknown;
  leadflow?: CommandFunction;
}
