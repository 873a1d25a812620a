// The dashboard's charts, drawn by the vendored Chart.js from the figures the tables show.
// The tables stay the source; each chart has its figures in words beside it.
(function () {
  "use strict";

  var COLOURS = ["#0a4fb4", "#8a5a00", "#1b7a3a", "#a3001b"];

  function draw() {
    var node = document.getElementById("report-charts");
    if (!node || typeof Chart === "undefined") return;
    var charts = JSON.parse(node.textContent);
    Object.keys(charts).forEach(function (name) {
      var canvas = document.getElementById("chart-" + name);
      if (!canvas) return;
      var chart = charts[name];
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: chart.labels,
          datasets: chart.series.map(function (series, index) {
            return { label: series.label, data: series.data, backgroundColor: COLOURS[index % COLOURS.length] };
          })
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          indexAxis: chart.labels.length > 6 ? "y" : "x",
          plugins: {
            legend: { display: chart.series.length > 1 },
            tooltip: {
              callbacks: {
                label: function (item) {
                  return item.dataset.label + ": " + item.formattedValue + chart.unit;
                }
              }
            }
          }
        }
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
