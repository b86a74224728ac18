/**
 * Role: build-time (Node) compiler of the top-K kernel, and the Vite plugin that inlines it.
 * `import bytes from './topk-kernel.as.ts?topk-wasm'` yields the compiled module's bytes as a
 * Uint8Array decoded from base64 in the importing chunk, so the app, the embed, the library,
 * vitest and any worker get the same bytes without a .wasm asset to locate at run time (the
 * embed runs from another origin) and without committed build output. Benchmarks under tsx
 * call compileTopkKernel() directly.
 * May import: assemblyscript/asc, vite (types), node:path, node:url.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

export const KERNEL_SOURCE = resolve(fileURLToPath(new URL('.', import.meta.url)), 'topk-kernel.as.ts');
const QUERY = '?topk-wasm';
const VIRTUAL = '\0hllm-topk-wasm';

let compiled: Promise<Uint8Array> | undefined;

/** Compiles topk-kernel.as.ts (SIMD, imported memory, no runtime, no abort import). */
export function compileTopkKernel(): Promise<Uint8Array> {
  compiled ??= (async () => {
    const asc = (await import('assemblyscript/asc')).default;
    let wasm: Uint8Array | undefined;
    let log = '';
    const sink = { write: (s: string | Uint8Array) => { log += String(s); return true; } };
    const { error } = await asc.main(
      [KERNEL_SOURCE, '--outFile', 'topk.wasm', '-O3', '--runtime', 'stub', '--importMemory', '--noAssert', '--use', 'abort=', '--enable', 'simd'],
      { writeFile: (name: string, contents: Uint8Array | string) => { if (name.endsWith('.wasm')) wasm = contents as Uint8Array; }, stdout: sink, stderr: sink },
    );
    if (error || !wasm) throw new Error(`topk kernel: AssemblyScript failed: ${error?.message ?? 'no output'}\n${log}`);
    return wasm;
  })();
  return compiled;
}

/** Vite plugin: resolves `*.as.ts?topk-wasm` to a module exporting the kernel's bytes. */
export function topkKernelWasm(): Plugin {
  return {
    name: 'hllm-topk-wasm',
    enforce: 'pre',
    resolveId(id) {
      return id.endsWith(QUERY) ? VIRTUAL : null;
    },
    async load(id) {
      if (id !== VIRTUAL) return null;
      compiled = undefined; // recompile on each load so dev/watch sees edits
      this.addWatchFile(KERNEL_SOURCE);
      const b64 = Buffer.from(await compileTopkKernel()).toString('base64');
      return `const s = atob(${JSON.stringify(b64)});\nconst b = new Uint8Array(s.length);\nfor (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);\nexport default b;\n`;
    },
  };
}
