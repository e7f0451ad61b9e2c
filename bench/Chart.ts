/** An SVG chart of the fan-out runs: deliveries/s and p99 latency against N, one line per server. */
interface Point {
  readonly deliveriesPerSecond: number
  readonly p99: number
}

const colors: Record<string, string> = { hubbub: "#d62728", "node:net": "#1f77b4", redis: "#2ca02c", effect: "#9467bd" }

export const chart = (
  fan: Record<string, Record<number, ReadonlyArray<Point>>>,
  sizes: ReadonlyArray<number>,
  title: string
): string => {
  const width = 1040
  const height = 420
  const panel = { w: 400, h: 300, top: 70 }
  const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
  const xAt = (i: number, left: number) => left + (sizes.length === 1 ? panel.w / 2 : (i * panel.w) / (sizes.length - 1))
  const parts: Array<string> = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="14">${escape(title)}</text>`
  ]
  const draw = (left: number, label: string, value: (p: ReadonlyArray<Point>) => number, unit: (v: number) => string) => {
    const all = Object.values(fan).flatMap((byN) => sizes.map((n) => value(byN[n] ?? [])))
    const max = Math.max(...all.filter(Number.isFinite), 1e-9) * 1.1
    const y = (v: number) => panel.top + panel.h - (v / max) * panel.h
    parts.push(`<text x="${left + panel.w / 2}" y="${panel.top - 12}" text-anchor="middle">${label}</text>`)
    parts.push(`<line x1="${left}" y1="${panel.top + panel.h}" x2="${left + panel.w}" y2="${panel.top + panel.h}" stroke="black"/>`)
    parts.push(`<line x1="${left}" y1="${panel.top}" x2="${left}" y2="${panel.top + panel.h}" stroke="black"/>`)
    for (let t = 0; t <= 4; t++) {
      const v = (max * t) / 4
      parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${unit(v)}</text>`)
      parts.push(`<line x1="${left}" y1="${y(v)}" x2="${left + panel.w}" y2="${y(v)}" stroke="#ddd"/>`)
    }
    sizes.forEach((n, i) =>
      parts.push(`<text x="${xAt(i, left)}" y="${panel.top + panel.h + 18}" text-anchor="middle">N=${n}</text>`)
    )
    for (const [name, byN] of Object.entries(fan)) {
      const points = sizes.map((n, i) => `${xAt(i, left)},${y(value(byN[n] ?? []))}`).join(" ")
      parts.push(`<polyline points="${points}" fill="none" stroke="${colors[name] ?? "black"}" stroke-width="2"/>`)
      sizes.forEach((n, i) =>
        parts.push(`<circle cx="${xAt(i, left)}" cy="${y(value(byN[n] ?? []))}" r="3" fill="${colors[name] ?? "black"}"/>`)
      )
    }
  }
  draw(90, "deliveries per second (median)", (p) => median(p.map((r) => r.deliveriesPerSecond)), (v) => `${(v / 1e6).toFixed(1)}M`)
  draw(590, "p99 latency, ms (median)", (p) => median(p.map((r) => r.p99)), (v) => v.toFixed(0))
  Object.keys(fan).forEach((name, i) => {
    parts.push(`<rect x="${90 + i * 140}" y="${height - 28}" width="14" height="14" fill="${colors[name] ?? "black"}"/>`)
    parts.push(`<text x="${110 + i * 140}" y="${height - 16}">${escape(name)}</text>`)
  })
  parts.push("</svg>")
  return parts.join("\n")
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;")
