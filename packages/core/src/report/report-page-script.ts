/**
 * The script of report.html (plain browser JavaScript, inlined after uPlot): reads the chart specs
 * from the page's JSON block and draws each with uPlot. A chart marks itself `data-drawn` once
 * uPlot has drawn it, and a chart that cannot be drawn says so in the page and on the console, so
 * the browser test can tell a drawn page from a broken one.
 */
export const REPORT_PAGE_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('peakgate-data').textContent);
  function percentileLabel(x) {
    if (!(x > 1)) return '';
    var p = 100 - 100 / x;
    return 'p' + Number(p.toFixed(2));
  }
  function draw(spec) {
    var el = document.getElementById('chart-' + spec.id);
    if (!el) return;
    try {
      var width = Math.max(320, Math.min(el.clientWidth || 540, 1060));
      var xAxis = { label: spec.xLabel, stroke: '#444', grid: { stroke: '#eee' } };
      var xScale = { time: false };
      if (spec.xKind === 'percentile') {
        xScale.distr = 3;
        // A little room either side, so the p50 and p99.99 labels at the ends are drawn.
        xScale.range = function () { return [1.6, 13000]; };
        xAxis.splits = function () { return [2, 10, 100, 1000, 10000]; };
        xAxis.values = function (u, splits) { return splits.map(percentileLabel); };
        // uPlot labels only powers of ten on a log axis by default; p50 sits at 2.
        xAxis.filter = function (u, splits) { return splits; };
      } else if (spec.xKind === 'round') {
        xScale.range = function (u, min, max) { return [min - 0.5, max + 0.5]; };
        xAxis.splits = function () { return spec.x.slice(); };
        xAxis.values = function (u, splits) { return splits.map(function (r) { return 'round ' + r; }); };
      }
      var opts = {
        title: spec.title,
        width: width,
        height: 260,
        scales: { x: xScale, y: spec.yLog ? { distr: 3 } : { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } } },
        axes: [xAxis, { label: spec.yLabel, stroke: '#444', grid: { stroke: '#eee' }, size: 60 }],
        legend: { live: true },
        series: [{ label: spec.xLabel, value: spec.xKind === 'percentile' ? function (u, v) { return v == null ? '-' : percentileLabel(v); } : undefined }].concat(spec.series.map(function (s) {
          return {
            label: s.label,
            stroke: s.color,
            width: 1.6,
            dash: s.dash ? [6, 4] : undefined,
            show: !s.hidden,
            spanGaps: false,
            points: { show: spec.points, size: 6, fill: s.color },
          };
        })),
        hooks: { draw: [function () { el.setAttribute('data-drawn', 'true'); }] },
      };
      new uPlot(opts, [spec.x].concat(spec.series.map(function (s) { return s.values; })), el);
    } catch (error) {
      el.setAttribute('data-error', String(error));
      el.textContent = 'This chart could not be drawn: ' + error;
      console.error('peakgate report: chart ' + spec.id + ': ' + error);
    }
  }
  data.charts.forEach(draw);
})();`;
