build-dev/tui/ui.o: tui/ui.c tui/ui.h include/session.h \
 include/counters.h include/negotiate.h include/text.h include/net.h \
 tui/viewmodel.h include/label.h include/session.h
tui/ui.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
tui/viewmodel.h:
include/label.h:
include/session.h:
