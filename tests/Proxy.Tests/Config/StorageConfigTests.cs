using LlmProxy.Config;
using LlmProxy.Hosting;

namespace LlmProxy.Tests.Config;

public sealed class StorageConfigTests
{
    private const string Minimal = """
        "providers": { "m": { "type": "mock" } }, "models": { "echo": [ { "provider": "m", "model": "echo" } ] }
        """;

    [Fact]
    public void Parse_NoStorageSection_SqliteInDataBesideTheConfigFileKeptThirtyDays()
    {
        var storage = Parse($"{{ {Minimal} }}", "/etc/llm-proxy/proxy.json");

        Assert.Equal(("sqlite", "/etc/llm-proxy/data/llm-proxy.db", 30), (storage.Type, storage.Path, storage.ResponsesTtlDays));
    }

    [Fact]
    public void Parse_NoStoragePathUnderSystemdStateDirectory_TheStateDirectory()
    {
        var config = ConfigLoader.Parse($"{{ {Minimal} }}", "/etc/llm-proxy/proxy.json",
            new EnvironmentExpander(name => name == "STATE_DIRECTORY" ? "/var/lib/llm-proxy" : null));

        Assert.Equal("/var/lib/llm-proxy/llm-proxy.db", config.Storage.Path);
    }

    [Theory]
    [InlineData("data/llm-proxy.db", "/srv/proxy/config/data/llm-proxy.db")]
    [InlineData("state.db", "/srv/proxy/config/state.db")]
    [InlineData("../state/proxy.db", "/srv/proxy/state/proxy.db")]
    [InlineData("/var/lib/llm-proxy/llm-proxy.db", "/var/lib/llm-proxy/llm-proxy.db")]
    [InlineData("${STATE_DIRECTORY:-data}/llm-proxy.db", "/srv/proxy/config/data/llm-proxy.db")]
    [InlineData("${STATE_HOME}/llm-proxy.db", "/var/lib/llm-proxy/llm-proxy.db")]
    public void Parse_StoragePath_RelativeToTheConfigFilesFolderAbsoluteAsIs(string path, string expected)
    {
        var storage = Parse($$"""{ "storage": { "path": "{{path}}" }, {{Minimal}} }""", "/srv/proxy/config/proxy.json");

        Assert.Equal(expected, storage.Path);
    }

    [Fact]
    public void LoadFile_RelativeStoragePath_ResolvesAgainstTheFileNotTheWorkingDirectory()
    {
        var folder = Directory.CreateTempSubdirectory("llm-proxy-config-").FullName;
        try
        {
            var file = Path.Combine(folder, "proxy.json");
            File.WriteAllText(file, $$"""{ "storage": { "path": "state/responses.db", "responsesTtlDays": 7 }, {{Minimal}} }""");

            var storage = ConfigLoader.LoadFile(file).Storage;

            Assert.Equal((Path.Combine(folder, "state", "responses.db"), 7), (storage.Path, storage.ResponsesTtlDays));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Parse_EncryptionKey_Base64Of32BytesIsTheSealingKey()
    {
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

        var storage = Parse($$"""{ "storage": { "encryptionKey": "{{Convert.ToBase64String(key)}}" }, {{Minimal}} }""", "/srv/proxy.json");

        Assert.Equal(key, storage.EncryptionKey);
        Assert.Null(Parse($"{{ {Minimal} }}", "/srv/proxy.json").EncryptionKey);
    }

    [Theory]
    [InlineData("\"encryptionKey\": \"c2hvcnQ=\"")]
    [InlineData("\"encryptionKey\": \"not base64 at all!\"")]
    [InlineData("\"encryptionKey\": \"\"")]
    public void Parse_BadEncryptionKey_ConfigErrorNamingTheField(string member)
    {
        var error = Assert.Throws<ConfigException>(() => Parse($$"""{ "storage": { {{member}} }, {{Minimal}} }""", "/srv/proxy.json"));

        Assert.Equal("storage.encryptionKey: must be 32 bytes in base64 (make one with: openssl rand -base64 32)", error.Message);
    }

    [Theory]
    [InlineData("\"responsesTtlDays\": 0", "storage.responsesTtlDays: must be a whole number from 1 to 36500")]
    [InlineData("\"responsesTtlDays\": -3", "storage.responsesTtlDays: must be a whole number from 1 to 36500")]
    [InlineData("\"responsesTtlDays\": 1.5", "storage.responsesTtlDays: must be a whole number from 1 to 36500")]
    [InlineData("\"responsesTtlDays\": 36501", "storage.responsesTtlDays: must be a whole number from 1 to 36500")]
    [InlineData("\"responsesTtlDays\": \"thirty\"", "storage.responsesTtlDays: must be a number, not a string")]
    [InlineData("\"responsesTtlDays\": true", "storage.responsesTtlDays: must be a number, not a boolean")]
    [InlineData("\"path\": \"\"", "storage.path: must not be empty")]
    [InlineData("\"path\": \"  \"", "storage.path: must not be empty")]
    [InlineData("\"path\": 3", "storage.path: must be a string")]
    [InlineData("\"type\": \"mysql\"", "storage.type: unknown storage type 'mysql'")]
    [InlineData("\"ttlDays\": 3", "storage.ttlDays: unknown field")]
    public void Parse_BadStorageField_IsAConfigErrorNamingIt(string field, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => Parse($$"""{ "storage": { {{field}} }, {{Minimal}} }""", "proxy.json"));

        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Storage_Postgres_KeepsItsConnectionString()
    {
        var storage = ConfigLoader.Parse($$"""{ "storage": { "type": "postgres", "connectionString": "Host=db;Database=llm_proxy" }, {{Minimal}} }""",
            "proxy.json", EnvironmentExpander.Process).Storage;

        Assert.Equal(("postgres", "Host=db;Database=llm_proxy"), (storage.Type, storage.ConnectionString));
    }

    [Theory]
    [InlineData("""{ "type": "postgres" }""", "storage.connectionString: required when storage.type is \"postgres\"")]
    [InlineData("""{ "type": "postgres", "connectionString": " " }""", "storage.connectionString: required when storage.type is \"postgres\"")]
    [InlineData("""{ "type": "postgres", "connectionString": "Host=db", "path": "x.db" }""", "storage.path: a SQLite file's path; storage.type \"postgres\" uses storage.connectionString")]
    [InlineData("""{ "connectionString": "Host=db" }""", "storage.connectionString: only for storage.type \"postgres\"; \"sqlite\" uses storage.path")]
    [InlineData("""{ "type": "redis" }""", "storage.type: unknown storage type 'redis' (expected one of: sqlite, postgres)")]
    [InlineData("""{ "type": "postgres", "connectionString": "Database=lp;Username=lp;Password=never-printed" }""", "storage.connectionString: names no server: add Host=...")]
    [InlineData("""{ "type": "postgres", "connectionString": "Host=db;Passwrd=never-printed" }""", "storage.connectionString: not a PostgreSQL connection string")]
    public void Storage_SettingsOfTheOtherType_AreOneLineNamingTheField(string section, string message)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse($$"""{ "storage": {{section}}, {{Minimal}} }""", "proxy.json", EnvironmentExpander.Process));

        Assert.StartsWith(message, error.Message);
        Assert.DoesNotContain("never-printed", error.Message);
    }

    [Theory]
    [InlineData("""{}""", "redis.connectionString: required")]
    [InlineData("""{ "connectionString": "redis://:never-printed@127.0.0.1:6379/0" }""", "redis.connectionString: a StackExchange.Redis configuration string")]
    [InlineData("""{ "connectionString": "password=never-printed" }""", "redis.connectionString: names no server")]
    [InlineData("""{ "connectionString": "127.0.0.1:6379", "expectedInstances": 0 }""", "redis.expectedInstances:")]
    public void Redis_BadSection_IsOneLineNamingTheFieldAndNoPassword(string section, string message)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Parse($$"""{ "redis": {{section}}, {{Minimal}} }""", "proxy.json", EnvironmentExpander.Process));

        Assert.StartsWith(message, error.Message);
        Assert.DoesNotContain("never-printed", error.Message);
    }

    [Fact]
    public void Redis_Section_KeepsItsSettingsWithDefaults()
    {
        var redis = ConfigLoader.Parse($$"""{ "redis": { "connectionString": "r1:6379,password=x" }, {{Minimal}} }""", "proxy.json", EnvironmentExpander.Process).Redis;

        Assert.Equal(new RedisOptions("r1:6379,password=x", 1, "llm-proxy:"), redis);
    }

    private static StorageOptions Parse(string json, string fileName) =>
        ConfigLoader.Parse(json, fileName, new EnvironmentExpander(name => name == "STATE_HOME" ? "/var/lib/llm-proxy" : null)).Storage;

    [Fact]
    public void AccessLog_Section_RelativePathIsTheConfigFoldersAndDashIsStandardOutput()
    {
        var toFile = ConfigLoader.Parse($$"""{ "accessLog": { "path": "logs/access.log", "maxFiles": 2 }, {{Minimal}} }""", "/srv/proxy/proxy.json", EnvironmentExpander.Process).AccessLog;
        var toStdout = ConfigLoader.Parse($$"""{ "accessLog": {}, {{Minimal}} }""", "/srv/proxy/proxy.json", EnvironmentExpander.Process).AccessLog;
        var none = ConfigLoader.Parse($"{{ {Minimal} }}", "/srv/proxy/proxy.json", EnvironmentExpander.Process).AccessLog;

        Assert.Equal(new AccessLogOptions("/srv/proxy/logs/access.log", AccessLogOptions.DefaultMaxFileBytes, 2), toFile);
        Assert.Equal(new AccessLogOptions(null, AccessLogOptions.DefaultMaxFileBytes, AccessLogOptions.DefaultMaxFiles), toStdout);
        Assert.Null(none);
    }
}
