/** A small dependency-free SVG line chart for the benchmark figures (log-scale x). */
export interface Series {
  name: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

const COLOURS = ["#1f77b4", "#aec7e8", "#d62728", "#ff9896", "#2ca02c", "#98df8a"];

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const width = 760;
  const height = 420;
  const left = 70;
  const right = 200;
  const top = 40;
  const bottom = 50;
  const xs = [...new Set(series.flatMap((entry) => entry.points.map(([x]) => x)))].sort((a, b) => a - b);
  const yMax = Math.max(...series.flatMap((entry) => entry.points.map(([, y]) => y))) * 1.1 || 1;
  const xPos = (x: number) =>
    left +
    ((Math.log(x) - Math.log(xs[0]!)) / (Math.log(xs.at(-1)!) - Math.log(xs[0]!) || 1)) *
      (width - left - right);
  const yPos = (y: number) => top + (1 - y / yMax) * (height - top - bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2 - right / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="black"/>`,
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle">${xLabel}</text>`,
    `<text x="16" y="${height / 2}" transform="rotate(-90 16 ${height / 2})" text-anchor="middle">${yLabel}</text>`,
  ];
  for (const x of xs) {
    parts.push(`<text x="${xPos(x)}" y="${height - bottom + 18}" text-anchor="middle">${x}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const value = (yMax / 5) * i;
    parts.push(
      `<line x1="${left}" y1="${yPos(value)}" x2="${width - right}" y2="${yPos(value)}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${yPos(value) + 4}" text-anchor="end">${value >= 100 ? Math.round(value) : value.toFixed(1)}</text>`,
    );
  }
  series.forEach((entry, index) => {
    const colour = COLOURS[index % COLOURS.length];
    const path = entry.points.map(([x, y]) => `${xPos(x)},${yPos(y)}`).join(" ");
    parts.push(
      `<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      ...entry.points.map(([x, y]) => `<circle cx="${xPos(x)}" cy="${yPos(y)}" r="3" fill="${colour}"/>`),
      `<line x1="${width - right + 15}" y1="${top + 10 + index * 18}" x2="${width - right + 40}" y2="${top + 10 + index * 18}" stroke="${colour}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      `<text x="${width - right + 46}" y="${top + 14 + index * 18}">${entry.name}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}
