#include <stdio.h>

int main(void)
{
	fputs("pdhooks-fake: not built yet\n", stderr);
	return 1;
}
