// "Use my location" on the complaint form: the browser's coordinates into the form's hidden
// lat/lon fields, used once by intake to dispatch to an outlet nearby. Without script or
// geolocation the button stays hidden and the city or address field does the same job.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var form = document.getElementById("complaint-form");
  var status = document.getElementById("location-status");
  if (!button || !form || !("geolocation" in navigator)) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.getAttribute("data-locating");
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(6);
      form.elements.lon.value = position.coords.longitude.toFixed(6);
      status.textContent = button.getAttribute("data-located");
      button.disabled = false;
    }, function () {
      button.disabled = false;
      status.textContent = button.getAttribute("data-refused");
    }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 300000});
  });
}());
