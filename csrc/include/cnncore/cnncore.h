#pragma once
/// \file cnncore.h
/// Umbrella header of the cnncore C++ API.
#include "cnncore/error.h"
#include "cnncore/functional.h"
#include "cnncore/model.h"
#include "cnncore/runtime.h"
#include "cnncore/tensor.h"
