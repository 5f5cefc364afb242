#include "supervisor/common/clock.h"
