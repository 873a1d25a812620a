"""Photos and videos sent with a complaint from the app, the web form and the store counter."""
