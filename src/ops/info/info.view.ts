import type { InfoSnapshot } from './info.service';

export function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  return minutes > 0 ? `${minutes} min` : `${seconds} s`;
}

const WIDTH = 600;
const HEIGHT = 120;

/**
 * Sent (blue) and failed (red) per minute over the last hour, as stacked SVG bars. The page
 * script draws the same from /info.json; this one is for the first paint and for no-JS.
 */
export function chartSvg(minutes: InfoSnapshot['minutes']): string {
  const peak = Math.max(1, ...minutes.map((m) => m.sent + m.failed));
  const step = WIDTH / Math.max(1, minutes.length);
  const bars = minutes.map((m, i) => {
    const sent = (m.sent / peak) * HEIGHT;
    const failed = (m.failed / peak) * HEIGHT;
    const x = (i * step).toFixed(1);
    const w = Math.max(1, step - 2).toFixed(1);
    return (
      `<rect class="sent" x="${x}" y="${(HEIGHT - sent).toFixed(1)}" width="${w}" height="${sent.toFixed(1)}"><title>${m.at.slice(11, 16)} UTC: ${m.sent} sent, ${m.failed} failed</title></rect>` +
      `<rect class="failed" x="${x}" y="${(HEIGHT - sent - failed).toFixed(1)}" width="${w}" height="${failed.toFixed(1)}"></rect>`
    );
  });
  return `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="Mails sent and failed per minute, last hour">${bars.join('')}</svg>`;
}
