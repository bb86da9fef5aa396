/* pdu_print.h - the `--pdus` sink: one line per PDU, for debugging and
 * for comparison with tshark.
 *
 * Line format (fields separated by one space):
 *   <epoch s>.<9 digits ns> c<flow id> <I>T|T>I|?> <src>:<port> <dst>:<port>
 *   <OPNAME> itt=0x<8 hex> dlen=<n> flags=<token> hd=<v> dd=<v>
 * where v is none (not carried), ok, bad or lost (carried but unseen), and
 * the time is that of the packet that completed the PDU.
 */
#ifndef ISCSIWATCH_PDU_PRINT_H
#define ISCSIWATCH_PDU_PRINT_H

#include <stdio.h>

#include "engine.h"

/* A sink writing to out (which stays the caller's). */
struct engine_sink pdu_print_sink(FILE *out);

#endif
