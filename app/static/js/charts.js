/* Dashboard charts: each <div class="aid-chart" data-chart="{...}"> is drawn with the bundled ECharts.
   The page carries only data (no inline script), so a strict content security policy holds. */
(function () {
  if (typeof echarts === "undefined") { return; }
  var palette = ["#337ab7", "#5cb85c", "#f0ad4e", "#d9534f", "#5bc0de", "#8e6bbf", "#7f8c8d"];
  function option(spec) {
    var base = { color: palette, tooltip: { trigger: spec.type === "pie" ? "item" : "axis" },
                 grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
                 legend: { top: 0, type: "scroll" }, textStyle: { fontFamily: "sans-serif" } };
    if (spec.type === "pie") {
      base.legend = { type: "scroll", orient: "vertical", right: 0, top: 20, bottom: 20 };
      base.series = [{ type: "pie", radius: ["35%", "68%"], center: ["35%", "55%"], data: spec.series[0].data,
                       name: spec.series[0].name, label: { formatter: "{d}%" } }];
      return base;
    }
    var horizontal = spec.type === "hbar";
    var values = { type: "value", max: spec.percent ? 100 : null, minInterval: spec.percent ? 0 : 1,
                   axisLabel: { formatter: spec.percent ? "{value}%" : "{value}" } };
    var names = { type: "category", data: spec.categories, axisLabel: { interval: 0, width: 120, overflow: "truncate" } };
    if (horizontal) { names.inverse = true; }
    base.xAxis = horizontal ? values : names;
    base.yAxis = horizontal ? names : values;
    base.series = spec.series.map(function (s) {
      return { type: "bar", name: s.name, data: s.data, stack: spec.type === "stack" ? "all" : null,
               barMaxWidth: 28, label: { show: horizontal, position: "right",
                                         formatter: spec.percent ? "{c}%" : "{c}" } };
    });
    if (spec.series.length < 2) { base.legend.show = false; }
    return base;
  }
  var charts = [];
  Array.prototype.forEach.call(document.querySelectorAll(".aid-chart"), function (el) {
    var spec = JSON.parse(el.getAttribute("data-chart"));
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(spec));
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
