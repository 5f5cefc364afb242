// Ending a connection httplib keeps open. httplib 0.11 decides whether a connection stays open
// before any of our hooks run, and hands handlers the request but not its socket; a request
// refused before its body was read (411, 414, 431) must still close its connection, or the
// unread body would be parsed as the next request. The server marks such an answer
// (markEndAfterAnswer) and, once httplib has written it, finds the socket by its address pair
// and ends it (endConnection). Not part of the module's interface.
#pragma once

#include <string>

namespace pgbr::api {

// The accepted socket whose peer is addr:port and whose local port is local_port, or -1.
// httplib hands handlers the request, not its socket; the address pair names the connection
// uniquely, and the calling worker holds that connection open, so the descriptor found cannot
// be closed and reused meanwhile.
int findConnection(const std::string& addr, int port, int local_port);

// Ends a connection whose answer has been written, without httplib reading from it again: the
// answer is followed by the end of the stream, what the client still sends is read and dropped
// until it closes (closing with unread bytes would reset the connection, and a reset can destroy
// the answer before the client reads it), then /dev/null takes the descriptor's place, so
// httplib's next read sees the end and closes it.
void endConnection(int fd);

// Marks the answer the calling worker is writing: its connection ends once it is written.
void markEndAfterAnswer();
// True once after markEndAfterAnswer() on the same worker thread, then false again.
bool takeEndAfterAnswer();

}  // namespace pgbr::api
