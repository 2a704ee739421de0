/** Types for @echogarden/pffft-wasm (PFFFT compiled by Emscripten; the package ships none). */
declare module '@echogarden/pffft-wasm/simd' {
  import type { PffftModule } from '@echogarden/pffft-wasm';
  const create: (moduleArg?: { print?: (text: string) => void; printErr?: (text: string) => void }) => Promise<PffftModule>;
  export default create;
}
declare module '@echogarden/pffft-wasm' {
  /** The Emscripten module: its heap, and PFFFT's C functions (pointers are byte offsets into the heap). */
  export interface PffftModule {
    HEAPF32: Float32Array;
    /** `pffft_new_setup(N, PFFFT_REAL = 0 | PFFFT_COMPLEX = 1)`: 0 when N is not supported. */
    _pffft_new_setup(n: number, transform: number): number;
    _pffft_aligned_malloc(bytes: number): number;
    /** `pffft_transform_ordered(setup, input, output, work, PFFFT_FORWARD = 0 | PFFFT_BACKWARD = 1)`. */
    _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
  }
  const create: (moduleArg?: { print?: (text: string) => void; printErr?: (text: string) => void }) => Promise<PffftModule>;
  export default create;
}
