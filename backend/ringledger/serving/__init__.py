"""The HTTP server around the application: uvicorn with the limits and the stop a service that
faces clients and load balancers directly needs (`ringledger serve`)."""
