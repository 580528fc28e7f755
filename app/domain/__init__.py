"""Facts of the domain that need neither a database nor a request: the grade table (``grades``) and the
resident ID number's format (``idcard``). The bottom of the layers (README, Architecture): every other
part of the app may use them, they use nothing of the app."""
