/**
 * The script of report.html (plain browser JavaScript, inlined after uPlot): reads the chart specs
 * from the page's JSON block and draws each with uPlot. A chart marks itself `data-drawn` once
 * uPlot has drawn it, and a chart that cannot be drawn says so in the page and on the console, so
 * the browser test can tell a drawn page from a broken one.
 *
 * The legend is compact: one entry per side (a band's edges are kept out of it), empty until the
 * cursor is over the chart, then the value under the cursor (and a side's lowest–highest trial).
 */
export const REPORT_PAGE_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('peakgate-data').textContent);
  function percentileLabel(x) {
    if (!(x > 1)) return '';
    var p = 100 - 100 / x;
    return 'p' + Number(p.toFixed(2));
  }
  function number(v) {
    var a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : Number(v.toPrecision(3)).toString();
  }
  function xValue(spec) {
    return function (u, v) {
      if (v == null) return '';
      if (spec.xKind === 'percentile') return percentileLabel(v);
      if (spec.xKind === 'round') return 'round ' + v;
      return v + ' s';
    };
  }
  // A median line's hover value: its value and, with a band, the side's lowest and highest trial.
  function seriesValue(spec, index) {
    var band = (spec.bands || []).filter(function (b) { return spec.series[b.lower] && spec.series[b.lower].role === spec.series[index].role; })[0];
    return function (u, v, sidx, idx) {
      if (v == null) return '';
      var text = number(v) + ' ' + spec.yLabel;
      if (band && idx != null) {
        var lo = u.data[band.lower + 1][idx];
        var hi = u.data[band.upper + 1][idx];
        if (lo != null && hi != null && hi > lo) text += ' (' + number(lo) + '–' + number(hi) + ')';
      }
      return text;
    };
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
        cursor: { points: { size: 7 } },
        series: [{ label: spec.xKind === 'seconds' ? 'second' : spec.xKind, value: xValue(spec) }].concat(spec.series.map(function (s, i) {
          if (s.band) {
            return { label: s.label, stroke: 'transparent', width: 0, spanGaps: false, points: { show: false }, value: function () { return ''; } };
          }
          return {
            label: s.label,
            stroke: s.color,
            width: 1.8,
            dash: s.dash ? [6, 4] : undefined,
            show: !s.hidden,
            spanGaps: false,
            points: { show: spec.points, size: 6, fill: s.color },
            value: seriesValue(spec, i),
          };
        })),
        // uPlot's band: the fill between two series (indexes count the x series as 0).
        bands: (spec.bands || []).map(function (b) {
          return { series: [b.upper + 1, b.lower + 1], fill: b.color + '2e' };
        }),
        hooks: {
          draw: [function () { el.setAttribute('data-drawn', 'true'); }],
          // Hiding a side (a click on its legend entry) hides its band too.
          setSeries: [function (u, sidx, change) {
            if (!sidx || !change || change.show === undefined) return;
            var line = spec.series[sidx - 1];
            if (!line || line.band) return;
            (spec.bands || []).forEach(function (b) {
              if (spec.series[b.lower].role !== line.role) return;
              [b.lower, b.upper].forEach(function (i) {
                if (u.series[i + 1].show !== change.show) u.setSeries(i + 1, { show: change.show }, false);
              });
            });
          }],
        },
      };
      var plot = new uPlot(opts, [spec.x].concat(spec.series.map(function (s) { return s.values; })), el);
      // A band's edges stay out of the legend: one entry per side.
      var rows = plot.root.querySelectorAll('.u-legend .u-series');
      spec.series.forEach(function (s, i) {
        if (s.band && rows[i + 1]) rows[i + 1].classList.add('pg-band');
      });
    } catch (error) {
      el.setAttribute('data-error', String(error));
      el.textContent = 'This chart could not be drawn: ' + error;
      console.error('peakgate report: chart ' + spec.id + ': ' + error);
    }
  }
  data.charts.forEach(draw);
})();`;
