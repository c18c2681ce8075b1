// Progressive enhancement only: every flow works without this file.
// Asks for confirmation on forms marked data-confirm (closing a DMP, breaking the glass).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
