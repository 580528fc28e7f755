/* Small page behaviours, declared in the templates as data attributes instead of inline
   event handlers (onclick="..."), which the Content-Security-Policy does not run:
     <select data-autosubmit>               submits its form when changed
     <button data-print>                    opens the print dialog
     <input type=checkbox data-check-all="CSS selector">   ticks or clears those boxes
   Delegated from the document, so it works whenever this file loads. */
(function () {
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print], [data-check-all]") : null;
    if (!el) { return; }
    if (el.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else {
      document.querySelectorAll(el.getAttribute("data-check-all")).forEach(function (box) {
        box.checked = el.checked;
      });
    }
  });
}());
