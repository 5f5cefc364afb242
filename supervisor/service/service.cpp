#include "supervisor/service/service.h"
