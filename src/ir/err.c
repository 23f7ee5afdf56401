/*
 * err.c - status codes, error messages and their CLI exit codes.
 */
#include <stdarg.h>
#include <stdio.h>

#include "onnx_prune.h"

int opr_errf(struct opr_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		/* Names come from the file: keep the message one printable line. */
		for (p = err->msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
	}
	return code;
}

int opr_exit_code(int status)
{
	switch (status) {
	case OPR_OK:
		return OPR_EXIT_OK;
	case OPR_EUSAGE:
		return OPR_EXIT_USAGE;
	case OPR_EPARSE:
	case OPR_EINVAL:
	case OPR_ESHAPE:
	case OPR_EUNSUPPORTED:
	case OPR_EIO:
		return OPR_EXIT_INPUT;
	case OPR_EGATE:
		return OPR_EXIT_GATE;
	default:
		return OPR_EXIT_INTERNAL;
	}
}

const char *opr_status_name(int status)
{
	static const char *const names[] = {
		[OPR_OK] = "OPR_OK",
		[OPR_EUSAGE] = "OPR_EUSAGE",
		[OPR_EPARSE] = "OPR_EPARSE",
		[OPR_EINVAL] = "OPR_EINVAL",
		[OPR_ESHAPE] = "OPR_ESHAPE",
		[OPR_EUNSUPPORTED] = "OPR_EUNSUPPORTED",
		[OPR_EIO] = "OPR_EIO",
		[OPR_ENOMEM] = "OPR_ENOMEM",
		[OPR_EINTERNAL] = "OPR_EINTERNAL",
		[OPR_EGATE] = "OPR_EGATE",
	};

	if (status < 0 || status >= (int)(sizeof(names) / sizeof(names[0])))
		return "OPR_E?";
	return names[status];
}
