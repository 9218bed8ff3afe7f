#ifndef SMARTPIX_CZMQ_SHIM_H
#define SMARTPIX_CZMQ_SHIM_H
#include <zmq.h>
#endif
