/* placeholder: replaced by signer-local */
int main(void)
{
    return 2;
}
