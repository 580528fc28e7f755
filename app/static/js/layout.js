/* The shell of every page (app/templates/layout.html): the ☰ button opens and closes the side bar on a
   phone (a tap beside it or Escape closes it); the current page's entry is scrolled into view. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var body = document.body, toggle = document.querySelector(".aid-menu-toggle");
    function setOpen(open) {
      body.classList.toggle("aid-nav-open", open);
      if (toggle) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); }
    }
    if (toggle) {
      toggle.addEventListener("click", function () { setOpen(!body.classList.contains("aid-nav-open")); });
    }
    var backdrop = document.querySelector(".aid-backdrop");
    if (backdrop) { backdrop.addEventListener("click", function () { setOpen(false); }); }
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && body.classList.contains("aid-nav-open")) { setOpen(false); }
    });
    var active = document.querySelector(".aid-nav-entries > li.active");
    var sidebar = document.querySelector(".aid-sidebar");
    if (active && sidebar && active.offsetTop > sidebar.clientHeight - 60) {
      sidebar.scrollTop = active.offsetTop - sidebar.clientHeight / 2;
    }
  });
})();
