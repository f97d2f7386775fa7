/* placeholder: replaced by the plugin implementation */
int main(void)
{
    return 1;
}
