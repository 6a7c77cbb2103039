import { execFile } from 'node:child_process';

/** promtool and amtool from the Debian packages: rule checks, rule unit tests, Alertmanager config checks. */

export interface ToolResult {
  ok: boolean;
  exitCode: number;
  output: string;
}

function run(binary: string, args: string[], cwd?: string, timeoutMs = 300_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
        reject(new Error(`cannot run ${binary}: ${error.message}; ./scripts/setup.sh installs the Debian packages`));
        return;
      }
      const exitCode = error ? ((error as { code?: number }).code ?? 1) : 0;
      resolve({ ok: exitCode === 0, exitCode, output });
    });
  });
}

export function promtoolCheckRules(files: string[]): Promise<ToolResult> {
  return run('promtool', ['check', 'rules', ...files]);
}

/** `promtool test rules`; rule_files inside a suite resolve relative to the suite's folder. */
export function promtoolTestRules(files: string[], cwd?: string): Promise<ToolResult> {
  return run('promtool', ['test', 'rules', ...files], cwd);
}

export function amtoolCheckConfig(file: string): Promise<ToolResult> {
  return run('amtool', ['check-config', file]);
}

/** The receivers an alert with these labels is routed to (`amtool config routes test`). */
export async function amtoolRoutes(file: string, labels: Record<string, string>): Promise<string[]> {
  const result = await run('amtool', [
    'config',
    'routes',
    'test',
    `--config.file=${file}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ]);
  if (!result.ok) throw new Error(`amtool config routes test failed: ${result.output}`);
  const line = result.output.split('\n').find((l) => l.trim() !== '' && !l.startsWith('Warning:')) ?? '';
  return line
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
}
