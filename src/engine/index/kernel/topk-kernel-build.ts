// Build-time (Node) compiler of the top-K kernel, and the Vite plugin that inlines it.
// `import bytes from './topk-kernel.as.ts?topk-wasm'` yields the compiled module's bytes as a
// Uint8Array decoded from base64 in the importing chunk (`?topk-wasm-shared`: the same kernel
// importing a shared memory, for the threaded scan of topk-threads.ts), so the app, the embed, the library,
// vitest and any worker get the same bytes without a .wasm asset to locate at run time (the
// embed runs from another origin) and without committed build output. Benchmarks under tsx
// call compileTopkKernel() directly.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const KERNEL_SOURCE = resolve(fileURLToPath(new URL('.', import.meta.url)), 'topk-kernel.as.ts');
const QUERY = /\?topk-wasm(-shared)?$/;
const VIRTUAL = '\0hllm-topk-wasm';

const compiled = new Map<boolean, Promise<Uint8Array>>();

/**
 * Compiles topk-kernel.as.ts (SIMD, imported memory, no runtime, no abort import). `shared`:
 * the memory import is a shared one (WebAssembly threads), which a module can only be given
 * if it declares so; its maximum is the whole 4 GiB so any table's memory fits the import.
 */
export function compileTopkKernel(shared = false): Promise<Uint8Array> {
  const done = compiled.get(shared);
  if (done) return done;
  const job = (async () => {
    const asc = (await import('assemblyscript/asc')).default;
    let wasm: Uint8Array | undefined;
    let log = '';
    const sink = { write: (s: string | Uint8Array) => { log += String(s); return true; } };
    const { error } = await asc.main(
      [KERNEL_SOURCE, '--outFile', 'topk.wasm', '-O3', '--runtime', 'stub', '--importMemory', '--noAssert', '--use', 'abort=', '--enable', 'simd',
        ...(shared ? ['--sharedMemory', '--maximumMemory', '65536', '--enable', 'threads'] : [])],
      { writeFile: (name: string, contents: Uint8Array | string) => { if (name.endsWith('.wasm')) wasm = contents as Uint8Array; }, stdout: sink, stderr: sink },
    );
    if (error || !wasm) throw new Error(`topk kernel: AssemblyScript failed: ${error?.message ?? 'no output'}\n${log}`);
    return wasm;
  })();
  compiled.set(shared, job);
  return job;
}

/** Vite plugin: resolves `*.as.ts?topk-wasm` to a module exporting the kernel's bytes. */
export function topkKernelWasm(): Plugin {
  return {
    name: 'hllm-topk-wasm',
    enforce: 'pre',
    resolveId(id) {
      const m = QUERY.exec(id);
      return m ? VIRTUAL + (m[1] ?? '') : null;
    },
    async load(id) {
      if (id !== VIRTUAL && id !== `${VIRTUAL}-shared`) return null;
      const shared = id.endsWith('-shared');
      compiled.delete(shared); // recompile on each load so dev/watch sees edits
      this.addWatchFile(KERNEL_SOURCE);
      const b64 = Buffer.from(await compileTopkKernel(shared)).toString('base64');
      return `const s = atob(${JSON.stringify(b64)});\nconst b = new Uint8Array(s.length);\nfor (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);\nexport default b;\n`;
    },
  };
}
