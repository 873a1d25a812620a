// "Use my location": the browser's coordinates into the finder form, then search.
// Without script or geolocation the button stays hidden and a city can still be chosen.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  var form = document.getElementById("finder-form");
  var status = document.getElementById("location-status");
  var words = JSON.parse(document.getElementById("location-words").textContent);
  if (!button || !form || !("geolocation" in navigator)) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = words.locating;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(6);
      form.elements.lon.value = position.coords.longitude.toFixed(6);
      form.elements.city.value = "";
      form.submit();
    }, function () {
      button.disabled = false;
      status.textContent = words.refused;
    }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 300000});
  });
}());
