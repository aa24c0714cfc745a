/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): a signed decimal number
 * with an optional binary suffix (Ki Mi Gi Ti Pi Ei), decimal suffix (n u m "" k M G T P E) or
 * decimal exponent (e3, E-2). Returns the value in base units (cores for CPU, bytes for memory),
 * or undefined when the text is not a quantity.
 */
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E)?)$/;

export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = QUANTITY.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n * (BINARY[m[2]] as number);
  if (m[3]) return n * 10 ** Number(m[3].slice(1));
  return n * (DECIMAL[m[4] ?? ''] as number);
}

/** 4294967296 -> "4Gi", 2.5 -> "2.5", 0.5 -> "500m": for messages. */
export function formatBytes(bytes: number): string {
  const units: [string, number][] = [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ];
  const exact = units.find(([, size]) => bytes >= size && Number.isInteger(bytes / size) && bytes / size < 1024 * 1024);
  if (exact && (exact[0] === 'Ti' || exact[0] === 'Gi' || bytes < 2 ** 30)) return `${bytes / exact[1]}${exact[0]}`;
  const near = units.find(([, size]) => bytes >= size);
  return near ? `${+(bytes / near[1]).toFixed(2)}${near[0]}` : `${bytes}`;
}

export function formatCpu(cores: number): string {
  return cores < 1 ? `${Math.round(cores * 1000)}m` : `${+cores.toFixed(3)}`;
}
