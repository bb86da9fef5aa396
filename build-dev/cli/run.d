build-dev/cli/run.o: cli/run.c cli/run.h cli/options.h include/session.h \
 include/counters.h include/negotiate.h include/text.h include/net.h \
 include/capture.h include/counters.h include/engine.h include/capture.h \
 include/flow.h include/tcp.h include/frag.h include/framer.h \
 include/iscsi.h include/rd.h include/export.h include/session.h \
 include/iscsi.h include/pdu_print.h include/engine.h include/scsi.h \
 include/track.h include/version.h cli/sensor.h cli/../tui/ui.h \
 cli/../tui/viewmodel.h cli/hints.h cli/outputs.h
cli/run.h:
cli/options.h:
include/session.h:
include/counters.h:
include/negotiate.h:
include/text.h:
include/net.h:
include/capture.h:
include/counters.h:
include/engine.h:
include/capture.h:
include/flow.h:
include/tcp.h:
include/frag.h:
include/framer.h:
include/iscsi.h:
include/rd.h:
include/export.h:
include/session.h:
include/iscsi.h:
include/pdu_print.h:
include/engine.h:
include/scsi.h:
include/track.h:
include/version.h:
cli/sensor.h:
cli/../tui/ui.h:
cli/../tui/viewmodel.h:
cli/hints.h:
cli/outputs.h:
