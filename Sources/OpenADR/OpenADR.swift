// OpenADR module
