/* Inventory dashboard: keep the plotly charts sized to their panels, follow the theme,
   and open the admin list a bar or cell counts when it is clicked (customdata URL).

   Charts are drawn by inline scripts while the page is still being parsed, so a chart
   drawn before the rest of its grid exists gets the full page width; re-measure every
   chart when the page has loaded and whenever its panel changes size. */
(function () {
  "use strict";
  if (typeof Plotly === "undefined") return;

  function charts() {
    return document.querySelectorAll(".js-plotly-plot");
  }

  function fit(gd) {
    if (gd.offsetParent !== null) Plotly.Plots.resize(gd);
  }

  function theme() {
    var css = getComputedStyle(document.documentElement);
    var text = css.getPropertyValue("--text").trim();
    var grid = css.getPropertyValue("--border").trim();
    charts().forEach(function (gd) {
      var update = {};
      if (text) update["font.color"] = text;
      if (grid && gd.layout && gd.layout.xaxis) update["xaxis.gridcolor"] = grid;
      if (grid && gd.layout && gd.layout.yaxis) update["yaxis.gridcolor"] = grid;
      Plotly.relayout(gd, update);
      fit(gd);
    });
  }

  function drillThrough(gd) {
    gd.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      var url = point && point.customdata;
      if (typeof url === "string" && url.charAt(0) === "/") window.location.assign(url);
    });
  }

  window.addEventListener("load", function () {
    charts().forEach(function (gd) {
      fit(gd);
      drillThrough(gd);
      if (window.ResizeObserver) {
        new ResizeObserver(function () { fit(gd); }).observe(gd.parentElement);
      }
    });
    theme();
  });
  document.addEventListener("fleetops:theme", theme);
})();
