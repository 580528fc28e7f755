/* Progress of a print job: polls its small JSON status and moves the bar (no library needed). */
(function () {
  var box = document.getElementById("print-job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-bar");
  function show(id, on) { var el = document.getElementById(id); if (el) { el.style.display = on ? "" : "none"; } }
  // "printing in the background" is no longer true once the job has ended: take that message away
  function ended() {
    document.querySelectorAll(".alert-info").forEach(function (el) { el.style.display = "none"; });
  }
  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      if (xhr.status !== 200) { setTimeout(poll, 5000); return; }
      var job = JSON.parse(xhr.responseText);
      bar.style.width = job.percent + "%";
      bar.setAttribute("aria-valuenow", job.percent);
      bar.textContent = job.percent + "%";
      document.getElementById("job-status").textContent = job.status_label;
      document.getElementById("job-count").textContent = job.done + " / " + job.total;
      if (job.status === "done") {
        bar.className = "progress-bar progress-bar-success";
        show("job-download", true);
        ended();
      } else if (job.status === "failed" || job.status === "expired") {
        bar.className = "progress-bar progress-bar-danger";
        document.getElementById("job-error-text").textContent = job.error;
        show("job-error", job.status === "failed");
        document.getElementById("job-retry").style.display = "inline-block";
        ended();
      } else {
        setTimeout(poll, 1000);
      }
    };
    xhr.onerror = function () { setTimeout(poll, 5000); };
    xhr.send();
  }
  poll();
}());
